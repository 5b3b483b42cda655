"""Report rows and writers. Depends on no other bsf package: it consumes plain row objects."""
