// What the page knows, shared by its views: projects by id (with their status) as the watch stream
// keeps them, and the view on screen, which is told of every change.
export const state = {
  /** id → { project, status } */
  projects: new Map(),
  loaded: false,
  lastEventId: null,
  watch: null,
  /** The view on screen: { onChange(kind, data), close() }. */
  view: null,
  tenantFilter: "",
};

export const byName = (name) => [...state.projects.values()].find((e) => e.project.name === name);
export const entryOf = (idOrName) => state.projects.get(idOrName) ?? byName(idOrName);
