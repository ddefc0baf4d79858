"""Bitso adapters: payload parsing into typed objects, REST and WebSocket clients."""
