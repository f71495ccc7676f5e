"""The Labo's nomadic meetings: programme and rotation, registration with a
waiting list, invitations relayed hand to hand, sign-in on the day, and
calendar files."""
