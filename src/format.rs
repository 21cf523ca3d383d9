//! The canonical layout of a policy (`clausier fmt`).
