"""Official documents (文书): declared per workflow, issued by actions, served, disclosed.

``declaration`` holds the types a workflow declares its documents with; ``issuing`` is
the engine's hook that issues them in the action's transaction; ``numbering``,
``templates`` and ``rendering`` make the numbered PDF; ``service`` records 送达 and the
clocks it starts; ``disclosure`` and ``redaction`` publish decisions (公示).
"""
