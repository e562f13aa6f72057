"""The request body of an action: the one thing the engine, schemas and documents share."""

from pydantic import BaseModel, ConfigDict


class ActionBody(BaseModel):
    """Base of every action's request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    comment: str | None = None


class NoBody(ActionBody):
    pass
