"""Oversight (监督): ratings, rectifications, reports, assessments and parties."""
