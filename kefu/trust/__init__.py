"""Trust: secret masking, field encryption, the official-channel checker and the access audit."""
