"""The GeoReport v2 XML answers: the JSON-shaped documents as the standard's elements."""

import xml.etree.ElementTree as ET
from typing import Any

from app.control_characters import without_control_characters

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# The standard's element name for each item of a list.
XML_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "service_requests_updates": "request_update",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, item in value.items():
            _fill(ET.SubElement(element, name), item)
    elif isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, XML_ITEMS[element.tag]), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        # XML 1.0 cannot carry control characters: a ticket stored with one would make
        # the whole document ill-formed.
        element.text = without_control_characters(str(value))


def to_xml(root: str, value: dict[str, Any] | list[Any]) -> bytes:
    """A JSON-shaped document as the standard's XML: lists become repeated item elements."""
    element = ET.Element(root)
    _fill(element, value)
    # ElementTree's own declaration uses single quotes; this one reads exactly as the
    # standard's examples do.
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode()
