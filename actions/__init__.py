"""Custom actions, one module per feature. Facts come from kb/ through kbengine; actions hold none."""
