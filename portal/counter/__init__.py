"""Counter intake (Loket): a clerk files a report for a walk-in or phone citizen."""
