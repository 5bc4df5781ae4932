"""Regional admins edit their own routing rules: versions, check, impact, activate, roll back."""
