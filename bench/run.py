"""`make bench`: runs every benchmark under bench/ and writes bench/results/ (JSON + markdown)."""

from __future__ import annotations


def main() -> None:
    print("no benchmarks yet")


if __name__ == "__main__":
    main()
