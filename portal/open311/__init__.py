"""Open311 GeoReport v2: other systems file reports and read the public record."""
