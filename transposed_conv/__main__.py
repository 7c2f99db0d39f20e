"""``python -m transposed_conv``: the ``transposed-conv`` command."""

from .cli import main_exit

if __name__ == "__main__":
    main_exit()
