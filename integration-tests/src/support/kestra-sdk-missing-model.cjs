// Stands in for the model modules that @kestra-io/kestra-sdk 0.24.1 requires but does not ship
// (see kestra-sdk.ts): a model that takes the JSON as it comes.
class PassThroughModel {
  /** @param {unknown} data */
  static constructFromObject(data) {
    return data;
  }
  static validateJSON() {
    return true;
  }
}
module.exports = { __esModule: true, default: PassThroughModel };
