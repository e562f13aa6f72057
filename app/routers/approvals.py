"""Approval applications (行政审批): every router of the module, registered in app.main."""

from fastapi import APIRouter

routers: list[APIRouter] = []
