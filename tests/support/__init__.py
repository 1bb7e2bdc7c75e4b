"""Test support shared by every test package (the sandbox server and its helpers)."""
