"""Activity indicators, finance views and exports."""
