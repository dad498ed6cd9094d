"""The ground floor: one place per external system, and what they all share."""
