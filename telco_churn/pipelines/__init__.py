"""The logic of each job, independent of how the job was started."""
