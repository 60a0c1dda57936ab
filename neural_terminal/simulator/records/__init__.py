"""What the simulated upstream remembers: its models, its generations, its key."""
