"""The sandbox clock: an offset every process adds to the wall clock, moved only forward."""
