"""Legacy forms: CSV and XLSX in Belgian locales to validated documents."""
