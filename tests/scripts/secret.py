"""Prints its secrets, as a careless build script would."""

import os

print(f"token is {os.environ['TOKEN']}")
print(f"deploy key is {os.environ.get('DEPLOY_KEY', 'missing')}")
print(f"twice: {os.environ['TOKEN']}{os.environ['TOKEN']}")
print(f"visible: {os.environ['NAME']}")
