"""The workspace's browser pages: Jobs, runs, login, and MLflow's UI under /ml/."""
