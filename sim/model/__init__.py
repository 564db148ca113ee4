"""What happens in one night: the scenario, its random streams, the engine and the room's processes."""
