"""Digests: subscriptions, selection and composition, schedules, and ``/scoop status``."""
