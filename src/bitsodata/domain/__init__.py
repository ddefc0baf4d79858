"""Pure domain types and arithmetic: order books, spreads, observations, windows. No I/O."""
