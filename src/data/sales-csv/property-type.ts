// Importers resolve a file's property types with the same rule the engine applies to a subject.
export { resolvePropertyType } from '../../engine/model-inputs.js';
