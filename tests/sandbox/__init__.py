"""Tests of the Twilio sandbox: real HTTP on loopback ports, the real twilio client."""
