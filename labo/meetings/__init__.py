"""The Labo's nomadic meetings: programme and rotation, registration with a
waiting list, invitations relayed hand to hand, attendance on the day
(émargement), and calendar files."""
