//! Placeholder until the export module lands.
