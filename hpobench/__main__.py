"""``python -m hpobench method=<name> task=<name> ...``: the Hydra entry point."""

import hydra

from hpobench import app
from hpobench.cli import end_quietly_on_closed_output


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg):
    return app.main(cfg)


if __name__ == "__main__":
    end_quietly_on_closed_output()
    main()
