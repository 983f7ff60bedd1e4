"""Page normalisation with OpenCV: perspective, orientation and skew, quality, seals."""
