"""Experiments on the pipeline's models (not a stage of a run): the model search of issue 20."""
