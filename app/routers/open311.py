"""Open311 GeoReport v2 over the ticket module."""

from fastapi import APIRouter

router = APIRouter(prefix="/open311/v2", tags=["open311"])
