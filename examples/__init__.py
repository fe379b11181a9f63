"""The sample handbook `docbot demo` ingests (handbook/), shipped in the wheel so the demo runs from an install."""
