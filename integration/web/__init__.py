"""Small web pieces shared by the blueprints."""
