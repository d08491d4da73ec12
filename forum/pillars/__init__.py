"""What each pillar board adds to its threads: Arm resources, Showcase stories,
Educate tracks and Harness reach."""
