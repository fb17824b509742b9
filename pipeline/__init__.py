"""Training pipeline: lead data → verified, versioned XGBoost/ONNX model artifacts.

Stages are plain functions in their own modules (ingest, preprocess, train, evaluate, export,
register); run.py wires them, cli.py is the command line, kfp_pipeline.py wraps the same
functions as Kubeflow components. The artifact contract is docs/artifacts.md.
"""
