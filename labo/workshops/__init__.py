"""Live workshop boards: phones post notes, the projector shows them, the animator steers."""
