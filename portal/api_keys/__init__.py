"""The staff page of the Open311 client applications' keys (`/staf/kunci-api/`)."""
