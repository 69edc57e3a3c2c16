"""``python -m hpobench method=<name> task=<name> ...``: the Hydra entry point."""

import sys

import hydra

from hpobench import app
from hpobench.cli import BAD_INPUT, end_quietly_on_closed_output
from hpobench.errors import UserError
from hpobench.overrides import check_command_line


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg):
    return app.main(cfg)


if __name__ == "__main__":
    end_quietly_on_closed_output()
    try:
        check_command_line(sys.argv[1:])  # one sentence for a mistake, before Hydra writes anything
    except UserError as error:
        print(f"hpobench: error: {error}", file=sys.stderr)
        sys.exit(BAD_INPUT)
    main()
