"""``python -m sheets_emulator``: same options as ``crm-sync emulator``."""

from .emulator_command import emulator_command

if __name__ == "__main__":
    emulator_command(prog_name="python -m sheets_emulator")
