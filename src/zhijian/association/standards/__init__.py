"""团体标准: the lifecycle of 《团体标准管理规定》(国标委联〔2019〕1号) from proposal to withdrawal."""
