"""govflow: REST API backend for municipal government-service workflows."""
