"""Enforcement cases (行政处罚案件): every router of the module, registered in app.main."""

from fastapi import APIRouter

routers: list[APIRouter] = []
