// The part of jstat (MIT, no bundled types) this project uses.
declare module 'jstat' {
  export const jStat: {
    studentt: {
      /** Quantile of Student's t with `dof` degrees of freedom at probability `p`. */
      inv(p: number, dof: number): number;
    };
  };
}
