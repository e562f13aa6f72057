"""The generic workflow engine: modules declare their workflow as data and get actions,
``allowed_actions``, the audit trail, deadlines, introspection and diagrams from here."""
