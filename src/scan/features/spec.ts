// A feature is a name, a group and one sentence; the order of FEATURES is the model's input order.
export interface FeatureSpec {
  name: string;
  doc: string;
}

export type Sink = (name: string, value: number) => void;
