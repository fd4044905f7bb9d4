// Public entry point. Nothing is exported yet: this package is built by a later issue
// (see the project's issue list). It exists now so the dependency graph and CI are in place.
export {};
