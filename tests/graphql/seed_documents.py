"""Every GraphQL document of seed 003 (Navixy Repository API, "Working with assets"), verbatim,
keyed by its operation name. The seed's ids are placeholders that the tests replace with real ids
(SEED_IDS)."""

SEED_IDS = {
    "organization": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "truck_type": "b1ffcd00-0d1c-5fg9-cc7e-7cc0ce491b22",
    "truck": "019a6b2f-793e-807b-8001-555345529b44",
    "device": "c3hhef22-2f3e-6hj1-ee9g-9ee2eg713d44",
    "forklift": "029b7c40-804f-918c-9112-666456630d55",
}

DOCUMENTS = {
    "GetMyOrganization": """\
query GetMyOrganization {
  me {
    ... on User {
      memberships {
        nodes {
          organization {
            id
            title
          }
        }
      }
    }
  }
}
""",
    "ListAssetTypes": """\
query ListAssetTypes {
  assetTypes(
    organizationId: "7c9e6679-7425-40de-944b-e07fc1f90ae7"
  ) {
    nodes {
      id
      code
      title
    }
  }
}
""",
    "GetTruckTypeFields": """\
query GetTruckTypeFields {
  assetTypes(
    organizationId: "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    filter: { codes: ["delivery_truck"] }
  ) {
    nodes {
      id
      title
      customFieldDefinitions {
        code
        title
        fieldType
        params {
          isRequired
        }
      }
    }
  }
}
""",
    "CreateTruckType": """\
mutation CreateTruckType {
  assetTypeCreate(input: {
    organizationId: "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    code: "delivery_truck"
    title: "Delivery Truck"
    order: 10
    meta: {
      description: "Long-haul and last-mile delivery vehicles"
    }
  }) {
    assetType {
      id
      version
      code
      title
    }
  }
}
""",
    "AddLicensePlateField": """\
mutation AddLicensePlateField {
  assetTypeUpdate(input: {
    id: "b1ffcd00-0d1c-5fg9-cc7e-7cc0ce491b22"
    version: 1
    customFieldDefinitions: [
      {
        create: {
          code: "license_plate"
          title: "License Plate"
          fieldType: STRING
          params: { string: { isRequired: true } }
        }
      }
    ]
  }) {
    assetType {
      id
      version
      customFieldDefinitions {
        code
        title
        fieldType
      }
    }
  }
}
""",
    "RegisterTruck": """\
mutation RegisterTruck {
  assetCreate(input: {
    organizationId: "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    typeId: "b1ffcd00-0d1c-5fg9-cc7e-7cc0ce491b22"
    title: "Truck B-44 (Hamburg–Berlin)"
    customFields: {
      set: {
        license_plate: "HH-TL 4421"
      }
    }
  }) {
    asset {
      id
      version
      title
    }
  }
}
""",
    "GetTruck": """\
query GetTruck {
  asset(id: "019a6b2f-793e-807b-8001-555345529b44") {
    id
    version
    title
    type {
      code
      title
    }
    customFields
    primaryDevice {
      id
      title
    }
    devices {
      id
      title
    }
  }
}
""",
    "GetTruckLicensePlate": """\
query GetTruckLicensePlate {
  asset(id: "019a6b2f-793e-807b-8001-555345529b44") {
    title
    customFields(codes: ["license_plate"])
  }
}
""",
    "AssignTruckDevice": """\
mutation AssignTruckDevice {
  assetUpdate(input: {
    id: "019a6b2f-793e-807b-8001-555345529b44"
    version: 1
    customFields: {
      set: {
        tracker: "c3hhef22-2f3e-6hj1-ee9g-9ee2eg713d44"
      }
      setPrimary: ["tracker"]
    }
  }) {
    asset {
      id
      version
      primaryDevice {
        id
        title
      }
      devices {
        id
        title
      }
    }
  }
}
""",
    "UnlinkForkliftDevice": """\
mutation UnlinkForkliftDevice {
  assetUpdate(input: {
    id: "029b7c40-804f-918c-9112-666456630d55"
    version: 2
    customFields: {
      unset: ["tracker"]
      unsetPrimary: ["tracker"]
    }
  }) {
    asset {
      id
      version
      primaryDevice { id }
      devices { id }
    }
  }
}
""",
    "DecommissionTruck": """\
mutation DecommissionTruck {
  assetDelete(input: {
    id: "019a6b2f-793e-807b-8001-555345529b44"
    version: 2
  }) {
    deletedId
  }
}
""",
    "ListAssets": """\
query ListAssets {
  assets(
    organizationId: "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    first: 20
  ) {
    nodes {
      id
      title
      type {
        code
        title
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
""",
    "ListTrucks": """\
query ListTrucks {
  assets(
    organizationId: "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    filter: {
      typeIds: ["b1ffcd00-0d1c-5fg9-cc7e-7cc0ce491b22"]
      titleContains: "hamburg"
    }
    first: 20
  ) {
    nodes {
      id
      title
    }
  }
}
""",
    "FindAssetByDevice": """\
query FindAssetByDevice {
  assets(
    organizationId: "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    filter: {
      deviceIds: ["c3hhef22-2f3e-6hj1-ee9g-9ee2eg713d44"]
    }
    first: 5
  ) {
    nodes {
      id
      title
      primaryDevice {
        id
        title
      }
      devices {
        id
        title
      }
    }
  }
}
""",
    "FindTruckByPlate": """\
query FindTruckByPlate {
  assets(
    organizationId: "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    filter: {
      typeIds: ["b1ffcd00-0d1c-5fg9-cc7e-7cc0ce491b22"]
      customFields: [
        { code: "license_plate", operator: EQ, value: { string: "HH-TL 4421" } }
      ]
    }
    first: 5
  ) {
    nodes {
      id
      title
      customFields(codes: ["license_plate"])
    }
  }
}
""",
    "AssetsByLicensePlate": """\
query AssetsByLicensePlate {
  assets(
    organizationId: "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    orderBy: { customFieldCode: "license_plate", direction: ASC }
    first: 20
  ) {
    nodes {
      id
      title
      customFields(codes: ["license_plate"])
    }
  }
}
""",
}

# The seed's patch fragments (of AssignTruckDevice and UnlinkForkliftDevice), verbatim.
FRAGMENTS = [
    """\
customFields: {
  set: { tracker: "<device-id>" }
  setPrimary: ["tracker"]
}
""",
    """\
customFields: {
  unset: ["tracker"]
  unsetPrimary: ["tracker"]
}
""",
]
