"""Privacy: consent and its versions, the notice, /mydata, erasure, retention."""
