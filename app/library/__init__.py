"""The library browser over the case store (cases, clips, requests, disclosures)."""
